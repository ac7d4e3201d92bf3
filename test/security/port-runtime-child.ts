/**
 * A runtime in a process of its own, for the runtime-death attack test: it
 * starts a port whose program leaves a `setsid` daemon, prints `ready` once
 * both run, and waits to be killed. Arguments: the marker, the containment,
 * and `sandbox` or `plain`.
 */
import {
  createSystem,
  defineActor,
  type PortEvent,
  port,
  type TreeRequest,
} from '../../src/index.js';
import { SH } from './port-fixture.js';

const [mark = 'missing-marker', containment = 'tree', sandbox = 'plain'] = process.argv.slice(2);
const loop = `trap "" TERM HUP INT; while :; do sleep 1; done`;
const script = `(setsid /bin/sh -c '${loop}' ${mark} </dev/null >/dev/null 2>&1 &); echo ready; exec /bin/sh -c '${loop}' ${mark}`;
const system = createSystem({
  security: { exec: { allow: [SH], ...(sandbox === 'sandbox' ? { sandbox: {} } : {}) } },
});
system.spawn(
  defineActor<PortEvent>({
    init(ctx) {
      ctx.spawn(port({ argv: ['/bin/sh', '-c', script], containment: containment as TreeRequest }));
    },
    handle(msg) {
      if (msg.type === 'port-output') console.log(msg.data);
    },
  }),
);

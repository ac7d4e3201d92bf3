/**
 * A chat room, written from the docs alone: a room registered under a typed
 * name, members that join and leave, messages fanned out to the members,
 * and a member that dies leaving the room by itself (a monitor). No type
 * assertion anywhere (no-casts.test.ts checks this file).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ActorRef,
  createSystem,
  type DownMessage,
  defineActor,
  name,
  type Reply,
} from '../../src/index.js';

type MemberMsg = { readonly type: 'said'; readonly from: string; readonly text: string };

type RoomMsg =
  | { readonly type: 'join'; readonly nick: string; readonly member: ActorRef<MemberMsg> }
  | { readonly type: 'say'; readonly nick: string; readonly text: string }
  | { readonly type: 'who'; readonly reply: Reply<string[]> }
  | DownMessage;

const roomName = name<RoomMsg>('lobby');

const room = defineActor<RoomMsg, Map<number, { nick: string; ref: ActorRef<MemberMsg> }>>({
  init: () => new Map(),
  handle(msg, ctx) {
    switch (msg.type) {
      case 'join':
        ctx.monitor(msg.member);
        ctx.state.set(msg.member.pid, { nick: msg.nick, ref: msg.member });
        return;
      case 'say':
        for (const m of ctx.state.values()) {
          if (m.nick !== msg.nick) m.ref.tell({ type: 'said', from: msg.nick, text: msg.text });
        }
        return;
      case 'who':
        msg.reply.send([...ctx.state.values()].map((m) => m.nick).sort());
        return;
      case 'DOWN':
        if (msg.pid !== undefined) ctx.state.delete(msg.pid);
        return;
    }
  },
});

type Heard = { readonly type: 'heard'; readonly reply: Reply<string[]> };

const member = defineActor<MemberMsg | Heard, string[]>({
  init: () => [],
  handle(msg, ctx) {
    if (msg.type === 'said') ctx.state.push(`${msg.from}: ${msg.text}`);
    else msg.reply.send(ctx.state);
  },
});

describe('example: a chat room', () => {
  it('members hear each other, and one that dies leaves the room', async () => {
    const system = createSystem();
    system.spawn(room, { name: roomName });
    const lobby = system.named(roomName);
    const ann = system.spawn(member);
    const bob = system.spawn(member);
    lobby.tell({ type: 'join', nick: 'ann', member: ann });
    lobby.tell({ type: 'join', nick: 'bob', member: bob });
    lobby.tell({ type: 'say', nick: 'ann', text: 'hi bob' });
    lobby.tell({ type: 'say', nick: 'bob', text: 'hi ann' });
    assert.deepEqual(await lobby.ask({ type: 'who' }), ['ann', 'bob']);
    assert.deepEqual(await ann.ask({ type: 'heard' }), ['bob: hi ann']);
    assert.deepEqual(await bob.ask({ type: 'heard' }), ['ann: hi bob']);
    system.kill(bob);
    await system.idle();
    assert.deepEqual(await lobby.ask({ type: 'who' }), ['ann']);
    await system.shutdown();
  });
});

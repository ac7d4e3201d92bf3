%% The twin of bench/registry.ts: N sequential global:register_name/2 of
%% fresh names (one fresh process each), with distribution to a peer node (a second
%% erl OS process, +S 1) connected, each call timed on its own. `global`
%% returns once every connected node knows the name, so "seen" (the name
%% visible on the other node) is the register time itself.
%% Prints: RESULT {"registerP50Us":F,"registerP99Us":F,"seenP50Us":F,"seenP99Us":F}
-module(registry).
-export([main/1]).

main([Arg]) ->
    N = list_to_integer(Arg),
    Tag = os:getpid(),
    {ok, _} = net_kernel:start([list_to_atom("airssys_reg_" ++ Tag), shortnames]),
    {ok, Peer, Node} = peer:start_link(#{name => list_to_atom("airssys_regpeer_" ++ Tag),
                                          args => ["+S", "1"]}),
    pong = net_adm:ping(Node),
    ok = global:sync(),
    _ = time_names(w, max(1, N div 10)), % warm-up
    erlang:garbage_collect(),
    Samples = list_to_tuple(lists:sort(time_names(m, N))),
    %% The last name is known on the peer as soon as register_name returned.
    Last = global:whereis_name({m, N}),
    Last = rpc:call(Node, global, whereis_name, [{m, N}]),
    P50 = quantile(Samples, 0.5),
    P99 = quantile(Samples, 0.99),
    io:format("RESULT {\"registerP50Us\":~.4f,\"registerP99Us\":~.4f,"
              "\"seenP50Us\":~.4f,\"seenP99Us\":~.4f}~n", [P50, P99, P50, P99]),
    peer:stop(Peer),
    halt().

time_names(Prefix, N) ->
    [begin
         Pid = spawn(fun() -> receive stop -> ok end end),
         T0 = erlang:monotonic_time(nanosecond),
         yes = global:register_name({Prefix, I}, Pid),
         (erlang:monotonic_time(nanosecond) - T0) / 1000
     end || I <- lists:seq(1, N)].

%% Nearest-rank quantile of a sorted tuple.
quantile(Sorted, Q) ->
    Rank = max(1, min(tuple_size(Sorted), ceil(Q * tuple_size(Sorted)))),
    element(Rank, Sorted).

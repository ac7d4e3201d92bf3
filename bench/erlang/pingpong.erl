%% Ping-pong: two processes bounce a counter down to zero.
%% N round trips = 2N messages. Prints: RESULT {"msgsPerSec":F}
-module(pingpong).
-export([main/1]).

main([Arg]) ->
    Trips = list_to_integer(Arg),
    _ = run(max(1, Trips div 10)), % warm-up
    Secs = run(Trips),
    io:format("RESULT {\"msgsPerSec\":~.1f}~n", [2 * Trips / Secs]),
    halt().

%% Returns the seconds taken by Trips round trips.
run(Trips) ->
    Main = self(),
    A = spawn(fun() -> wire(Main) end),
    B = spawn(fun() -> wire(Main) end),
    A ! {peer, B},
    B ! {peer, A},
    T0 = erlang:monotonic_time(nanosecond),
    A ! 2 * Trips - 1,
    receive done -> ok end,
    T1 = erlang:monotonic_time(nanosecond),
    exit(A, kill),
    exit(B, kill),
    (T1 - T0) / 1.0e9.

wire(Main) ->
    receive {peer, Peer} -> player(Peer, Main) end.

player(Peer, Main) ->
    receive
        0 -> Main ! done, player(Peer, Main);
        N -> Peer ! N - 1, player(Peer, Main)
    end.

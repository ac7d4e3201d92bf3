%% Ping-pong: two processes bounce a counter down to zero.
%% N round trips = 2N messages. A second run sends what users write: a
%% tuple carrying the sender, {hop, N, From}, answered to From.
%% Prints: RESULT {"msgsPerSec":F,"objectMsgsPerSec":F}
-module(pingpong).
-export([main/1]).

main([Arg]) ->
    Trips = list_to_integer(Arg),
    _ = run(max(1, Trips div 10)), % warm-up
    Secs = run(Trips),
    _ = run_object(max(1, Trips div 10)), % warm-up
    ObjSecs = run_object(Trips),
    io:format("RESULT {\"msgsPerSec\":~.1f,\"objectMsgsPerSec\":~.1f}~n",
              [2 * Trips / Secs, 2 * Trips / ObjSecs]),
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

%% The same with {hop, N, From} messages answered to From.
run_object(Trips) ->
    Main = self(),
    A = spawn(fun() -> object_player(Main) end),
    B = spawn(fun() -> object_player(Main) end),
    T0 = erlang:monotonic_time(nanosecond),
    A ! {hop, 2 * Trips - 1, B},
    receive done -> ok end,
    T1 = erlang:monotonic_time(nanosecond),
    exit(A, kill),
    exit(B, kill),
    (T1 - T0) / 1.0e9.

object_player(Main) ->
    receive
        {hop, 0, _} -> Main ! done, object_player(Main);
        {hop, N, From} -> From ! {hop, N - 1, self()}, object_player(Main)
    end.

%% Ping-pong with {hop, N, From} messages answered to From: the shape
%% users write. N round trips = 2N messages.
%% Prints: RESULT {"objectMsgsPerSec":F}
-module(pingpong_objects).
-export([main/1]).

main([Arg]) ->
    Trips = list_to_integer(Arg),
    _ = run(max(1, Trips div 10)), % warm-up
    Secs = run(Trips),
    io:format("RESULT {\"objectMsgsPerSec\":~.1f}~n", [2 * Trips / Secs]),
    halt().

%% Returns the seconds taken by Trips round trips.
run(Trips) ->
    Main = self(),
    A = spawn(fun() -> player(Main) end),
    B = spawn(fun() -> player(Main) end),
    T0 = erlang:monotonic_time(nanosecond),
    A ! {hop, 2 * Trips - 1, B},
    receive done -> ok end,
    T1 = erlang:monotonic_time(nanosecond),
    exit(A, kill),
    exit(B, kill),
    (T1 - T0) / 1.0e9.

player(Main) ->
    receive
        {hop, 0, _} -> Main ! done, player(Main);
        {hop, N, From} -> From ! {hop, N - 1, self()}, player(Main)
    end.

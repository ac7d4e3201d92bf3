%% Thread ring: 1,000 processes pass one token around; each hop decrements it.
%% Prints: RESULT {"hopsPerSec":F}
-module(ring).
-export([main/1]).

-define(RING_SIZE, 1000).

main([Arg]) ->
    Hops = list_to_integer(Arg),
    _ = run(max(1, Hops div 10)), % warm-up
    Secs = run(Hops),
    io:format("RESULT {\"hopsPerSec\":~.1f}~n", [Hops / Secs]),
    halt().

%% Returns the seconds taken by Hops hops.
run(Hops) ->
    Main = self(),
    Pids = [spawn(fun() -> wire(Main) end) || _ <- lists:seq(1, ?RING_SIZE)],
    Nexts = tl(Pids) ++ [hd(Pids)],
    lists:foreach(fun({P, Next}) -> P ! {next, Next} end, lists:zip(Pids, Nexts)),
    T0 = erlang:monotonic_time(nanosecond),
    hd(Pids) ! Hops - 1,
    receive done -> ok end,
    T1 = erlang:monotonic_time(nanosecond),
    lists:foreach(fun(P) -> exit(P, kill) end, Pids),
    (T1 - T0) / 1.0e9.

wire(Main) ->
    receive {next, Next} -> node(Next, Main) end.

node(Next, Main) ->
    receive
        0 -> Main ! done, node(Next, Main);
        N -> Next ! N - 1, node(Next, Main)
    end.

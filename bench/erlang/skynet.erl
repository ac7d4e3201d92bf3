%% Skynet: a 10-ary tree of processes with N leaves; each leaf sends its
%% number to its parent, each parent sums its ten children and sends the
%% sum up. Prints: RESULT {"totalMs":F}
-module(skynet).
-export([main/1]).

main([Arg]) ->
    Leaves = list_to_integer(Arg),
    _ = run(max(1, Leaves div 10)), % warm-up
    erlang:garbage_collect(),
    Ms = run(Leaves),
    io:format("RESULT {\"totalMs\":~.3f}~n", [Ms]),
    halt().

%% Returns the milliseconds taken to get the sum of the tree.
run(Leaves) ->
    Main = self(),
    T0 = erlang:monotonic_time(nanosecond),
    spawn(fun() -> skynet(Main, 0, Leaves) end),
    Sum = receive S -> S end,
    T1 = erlang:monotonic_time(nanosecond),
    Sum = Leaves * (Leaves - 1) div 2,
    (T1 - T0) / 1.0e6.

skynet(Parent, Num, 1) ->
    Parent ! Num;
skynet(Parent, Num, Size) ->
    Self = self(),
    Step = Size div 10,
    [spawn(fun() -> skynet(Self, Num + I * Step, Step) end) || I <- lists:seq(0, 9)],
    Parent ! collect(10, 0).

collect(0, Sum) -> Sum;
collect(N, Sum) -> receive X -> collect(N - 1, Sum + X) end.

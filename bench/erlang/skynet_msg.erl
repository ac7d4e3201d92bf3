%% Skynet driven by messages: each process is spawned knowing only its
%% parent, learns its number and subtree size from a {start, Num, Size}
%% message, then spawns its ten children and sends each its part.
%% Prints: RESULT {"totalMs":F}
-module(skynet_msg).
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
    Root = spawn(fun() -> skynet(Main) end),
    Root ! {start, 0, Leaves},
    Sum = receive S when is_integer(S) -> S end,
    T1 = erlang:monotonic_time(nanosecond),
    Sum = Leaves * (Leaves - 1) div 2,
    (T1 - T0) / 1.0e6.

skynet(Parent) ->
    receive
        {start, Num, 1} ->
            Parent ! Num;
        {start, Num, Size} ->
            Self = self(),
            Step = Size div 10,
            [spawn(fun() -> skynet(Self) end) ! {start, Num + I * Step, Step}
             || I <- lists:seq(0, 9)],
            Parent ! collect(10, 0)
    end.

collect(0, Sum) -> Sum;
collect(N, Sum) -> receive X -> collect(N - 1, Sum + X) end.

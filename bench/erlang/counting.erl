%% Counting: the main process sends N increments to a counter, then asks
%% for the count (a request with a unique ref). Prints: RESULT {"msgsPerSec":F}
-module(counting).
-export([main/1]).

main([Arg]) ->
    N = list_to_integer(Arg),
    _ = run(max(1, N div 10)), % warm-up
    Secs = run(N),
    io:format("RESULT {\"msgsPerSec\":~.1f}~n", [N / Secs]),
    halt().

%% Returns the seconds taken by N increments and the final request.
run(N) ->
    Counter = spawn(fun() -> counter(0) end),
    T0 = erlang:monotonic_time(nanosecond),
    send(Counter, N),
    Ref = make_ref(),
    Counter ! {get, self(), Ref},
    Count = receive {Ref, C} -> C end,
    T1 = erlang:monotonic_time(nanosecond),
    N = Count,
    exit(Counter, kill),
    (T1 - T0) / 1.0e9.

send(_, 0) -> ok;
send(Counter, N) -> Counter ! 1, send(Counter, N - 1).

counter(Count) ->
    receive
        I when is_integer(I) -> counter(Count + I);
        {get, From, Ref} -> From ! {Ref, Count}, counter(Count)
    end.

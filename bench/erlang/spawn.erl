%% Spawn N idle processes and keep them alive: spawn rate, and memory per
%% process (erlang:memory(processes) delta, and the OS RSS delta).
%% Prints: RESULT {"actorsPerSec":F,"heapBytesPerActor":F,"rssBytesPerActor":F}
-module(spawn).
-export([main/1]).

main([Arg]) ->
    N = list_to_integer(Arg),
    stop_all(spawn_idle(max(1, N div 10))), % warm-up
    erlang:garbage_collect(),
    Mem0 = erlang:memory(processes),
    Rss0 = rss(),
    T0 = erlang:monotonic_time(nanosecond),
    Pids = spawn_idle(N),
    T1 = erlang:monotonic_time(nanosecond),
    erlang:garbage_collect(),
    Mem1 = erlang:memory(processes),
    Rss1 = rss(),
    io:format("RESULT {\"actorsPerSec\":~.1f,\"heapBytesPerActor\":~.1f,\"rssBytesPerActor\":~.1f}~n",
              [N / ((T1 - T0) / 1.0e9), (Mem1 - Mem0) / N, (Rss1 - Rss0) / N]),
    stop_all(Pids),
    halt().

%% An accumulator loop, not a list comprehension over lists:seq/2: building
%% the 1M-element seq list first halves the measured spawn rate.
spawn_idle(N) -> spawn_idle(N, []).

spawn_idle(0, Pids) -> Pids;
spawn_idle(N, Pids) -> spawn_idle(N - 1, [spawn(fun() -> receive stop -> ok end end) | Pids]).

stop_all(Pids) ->
    lists:foreach(fun(P) -> P ! stop end, Pids).

%% Resident set size in bytes, from /proc.
rss() ->
    {ok, Status} = file:read_file("/proc/self/status"),
    [Line] = [L || L <- binary:split(Status, <<"\n">>, [global]), binary:match(L, <<"VmRSS:">>) =/= nomatch],
    [_, Kb | _] = binary:split(Line, [<<" ">>, <<"\t">>], [global, trim_all]),
    binary_to_integer(Kb) * 1024.

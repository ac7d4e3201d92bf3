%% Burst: N processes x 100 messages of 1 KiB (a fresh binary per
%% message), sent message-major by one producer; throughput until every
%% message is handled, and the peak RSS of the VM (VmHWM).
%% Prints: RESULT {"msgsPerSec":F,"peakRssMiB":F}
-module(burst).
-export([main/1]).

-define(MESSAGES, 100).

main([Arg]) ->
    N = list_to_integer(Arg),
    Main = self(),
    Sinks = [spawn(fun() -> sink(Main, ?MESSAGES, 0) end) || _ <- lists:seq(1, N)],
    Payload = binary:copy(<<0>>, 1024),
    T0 = erlang:monotonic_time(nanosecond),
    send(Sinks, ?MESSAGES, Payload),
    wait(N),
    T1 = erlang:monotonic_time(nanosecond),
    io:format("RESULT {\"msgsPerSec\":~.1f,\"peakRssMiB\":~.2f}~n",
              [N * ?MESSAGES / ((T1 - T0) / 1.0e9), peak_rss_mib()]),
    halt().

send(_, 0, _) -> ok;
send(Sinks, R, Payload) ->
    [S ! {chunk, binary:copy(Payload)} || S <- Sinks],
    send(Sinks, R - 1, Payload).

sink(Main, 0, _) -> Main ! done;
sink(Main, K, Bytes) ->
    receive {chunk, B} -> sink(Main, K - 1, Bytes + byte_size(B)) end.

wait(0) -> ok;
wait(N) -> receive done -> wait(N - 1) end.

%% VmHWM from /proc/self/status, in MiB.
peak_rss_mib() ->
    {ok, Bin} = file:read_file("/proc/self/status"),
    [Line] = [L || L <- binary:split(Bin, <<"\n">>, [global]), binary:part(L, 0, min(6, byte_size(L))) =:= <<"VmHWM:">>],
    [_, Kb | _] = binary:split(Line, [<<" ">>, <<"\t">>], [global, trim_all]),
    binary_to_integer(Kb) / 1024.

%% Fan-in: N client processes each make 100 sequential gen_server:call/2
%% to one of 10 servers (client I calls server I rem 10), all at once.
%% Each call is timed on its own.
%% Prints: RESULT {"asksPerSec":F,"p50Us":F,"p99Us":F,"cpuUsPerAsk":F}
%% cpuUsPerAsk: statistics(runtime), the CPU time of every runtime thread, per call.
-module(fan_in).
-behaviour(gen_server).
-export([main/1]).
-export([init/1, handle_call/3, handle_cast/2]).

-define(SERVERS, 10).
-define(ASKS, 100).

main([Arg]) ->
    N = list_to_integer(Arg),
    _ = run(max(1, N div 10)), % warm-up
    erlang:garbage_collect(),
    {Cpu0, _} = statistics(runtime),
    {Secs, Samples0} = run(N),
    {Cpu1, _} = statistics(runtime),
    Samples = list_to_tuple(lists:sort(Samples0)),
    io:format("RESULT {\"asksPerSec\":~.1f,\"p50Us\":~.4f,\"p99Us\":~.4f,\"cpuUsPerAsk\":~.4f}~n",
              [tuple_size(Samples) / Secs, quantile(Samples, 0.5), quantile(Samples, 0.99),
               (Cpu1 - Cpu0) * 1000 / tuple_size(Samples)]),
    halt().

%% Returns the seconds taken and every call's latency in microseconds.
run(N) ->
    Servers = list_to_tuple([begin {ok, S} = gen_server:start(?MODULE, 0, []), S end
                             || _ <- lists:seq(1, ?SERVERS)]),
    Main = self(),
    T0 = erlang:monotonic_time(nanosecond),
    [spawn(fun() -> Main ! {done, client(element(1 + I rem ?SERVERS, Servers), ?ASKS, [])} end)
     || I <- lists:seq(0, N - 1)],
    Samples = collect(N, []),
    T1 = erlang:monotonic_time(nanosecond),
    [exit(S, kill) || S <- tuple_to_list(Servers)],
    {(T1 - T0) / 1.0e9, Samples}.

client(_, 0, Acc) -> Acc;
client(Server, K, Acc) ->
    T0 = erlang:monotonic_time(nanosecond),
    _ = gen_server:call(Server, get, infinity),
    client(Server, K - 1, [(erlang:monotonic_time(nanosecond) - T0) / 1000 | Acc]).

collect(0, Acc) -> Acc;
collect(N, Acc) -> receive {done, S} -> collect(N - 1, S ++ Acc) end.

%% Nearest-rank quantile of a sorted tuple.
quantile(Sorted, Q) ->
    Rank = max(1, min(tuple_size(Sorted), ceil(Q * tuple_size(Sorted)))),
    element(Rank, Sorted).

init(State) -> {ok, State}.
handle_call(get, _From, State) -> {reply, State, State + 1}.
handle_cast(_Msg, State) -> {noreply, State}.

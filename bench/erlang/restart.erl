%% Restart latency under a one_for_one supervisor: from just before a child
%% crashes to its replacement's init/1 having run. The children are
%% gen_servers that exit(crash) on a 'crash' message; the crash time (T0)
%% and init time (T1) go into atomics arrays, indexed by child, so no
%% message sits between the timestamp and the crash.
%% - single: one child crashed N times, one at a time (crash, wait for the
%%   new child's {started, ...}, repeat); intensity 1e9 per 1 s;
%% - burst: one supervisor with 10,000 children, each crashed once, one
%%   after another (crash child I, wait for its restart, then child I+1);
%%   intensity 1e9 per 3600 s, so all 10,000 restarts stay in the
%%   supervisor's restart list. Latency per restart, and the p50 of the
%%   last 1,000 (add_restart walks that list on every crash);
%% - all at once (throughput only): a fresh supervisor with 10,000
%%   children, all sent 'crash' in one go; first crash -> last init.
%% The logger is off, as airssys prints nothing on a crash: otherwise every
%% crash logs a gen_server and a supervisor error report.
%% Prints: RESULT {"p50Us":F,"p99Us":F,"burstP50Us":F,"burstP99Us":F,
%%                 "burstLateP50Us":F,"allAtOnceMs":F}
-module(restart).
-export([main/1, start_child/4]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2]).

-define(BURST, 10000).
-define(LATE, 1000).
-define(PERIOD_S, 1).
-define(LONG_PERIOD_S, 3600).

main([Arg]) ->
    N = list_to_integer(Arg),
    ok = logger:set_primary_config(level, none),
    _ = single(max(1, N div 10)), % warm-up
    _ = burst(?BURST div 10),
    _ = all_at_once(?BURST div 10),
    erlang:garbage_collect(),
    Single = list_to_tuple(single(N)),
    erlang:garbage_collect(),
    Burst = burst(?BURST),
    erlang:garbage_collect(),
    AllMs = all_at_once(?BURST),
    BurstT = list_to_tuple(lists:sort(Burst)),
    Late = list_to_tuple(lists:sort(lists:nthtail(max(0, length(Burst) - ?LATE), Burst))),
    io:format("RESULT {\"p50Us\":~.4f,\"p99Us\":~.4f,\"burstP50Us\":~.4f,"
              "\"burstP99Us\":~.4f,\"burstLateP50Us\":~.4f,\"allAtOnceMs\":~.4f}~n",
              [quantile(Single, 0.5), quantile(Single, 0.99),
               quantile(BurstT, 0.5), quantile(BurstT, 0.99),
               quantile(Late, 0.5), AllMs]),
    halt().

%% N crashes of one child, one at a time; sorted latencies in µs.
single(N) ->
    {Sup, T0s, T1s, [Pid]} = start_sup(1, ?PERIOD_S),
    Lat = single_loop(N, Pid, T0s, T1s, []),
    stop_sup(Sup),
    lists:sort(Lat).

single_loop(0, _Pid, _T0s, _T1s, Acc) -> Acc;
single_loop(N, Pid, T0s, T1s, Acc) ->
    Pid ! crash,
    New = receive {started, 1, P} -> P end,
    single_loop(N - 1, New, T0s, T1s, [latency(1, T0s, T1s) | Acc]).

%% Each of Size children crashed once, one after another; latencies in µs,
%% in crash order.
burst(Size) ->
    {Sup, T0s, T1s, Pids} = start_sup(Size, ?LONG_PERIOD_S),
    Lat = burst_loop(1, Pids, T0s, T1s, []),
    stop_sup(Sup),
    Lat.

burst_loop(_I, [], _T0s, _T1s, Acc) -> lists:reverse(Acc);
burst_loop(I, [Pid | Pids], T0s, T1s, Acc) ->
    Pid ! crash,
    receive {started, I, _} -> ok end,
    burst_loop(I + 1, Pids, T0s, T1s, [latency(I, T0s, T1s) | Acc]).

%% Every one of Size children crashed at once; first crash to last init, ms.
all_at_once(Size) ->
    {Sup, T0s, T1s, Pids} = start_sup(Size, ?LONG_PERIOD_S),
    lists:foreach(fun(P) -> P ! crash end, Pids),
    _ = await_started(Size, []),
    Pairs = [{atomics:get(T0s, I), atomics:get(T1s, I)} || I <- lists:seq(1, Size)],
    stop_sup(Sup),
    true = lists:all(fun({T0, T1}) -> T1 > T0 end, Pairs),
    First = lists:min([T0 || {T0, _} <- Pairs]),
    Last = lists:max([T1 || {_, T1} <- Pairs]),
    (Last - First) / 1.0e6.

%% T1 - T0 of child I, µs; fails if it was not restarted after its crash.
latency(I, T0s, T1s) ->
    Us = (atomics:get(T1s, I) - atomics:get(T0s, I)) / 1000,
    true = Us > 0,
    Us.

%% Starts a supervisor with Count children (intensity 1e9 per Period s);
%% returns their pids in child order.
start_sup(Count, Period) ->
    T0s = atomics:new(Count, [{signed, true}]),
    T1s = atomics:new(Count, [{signed, true}]),
    Main = self(),
    Specs = [#{id => I, start => {?MODULE, start_child, [I, Main, T0s, T1s]},
               restart => permanent, type => worker}
             || I <- lists:seq(1, Count)],
    {ok, Sup} = supervisor:start_link(?MODULE, {sup, Period, Specs}),
    Started = await_started(Count, []),
    {Sup, T0s, T1s, [P || {_, P} <- lists:sort(Started)]}.

await_started(0, Acc) -> Acc;
await_started(N, Acc) ->
    receive {started, I, P} -> await_started(N - 1, [{I, P} | Acc]) end.

stop_sup(Sup) ->
    unlink(Sup),
    ok = gen_server:stop(Sup).

start_child(I, Main, T0s, T1s) ->
    gen_server:start_link(?MODULE, {child, I, Main, T0s, T1s}, []).

%% init/1 serves both behaviours: the supervisor's and the children's.
init({sup, Period, Specs}) ->
    {ok, {#{strategy => one_for_one, intensity => 1000000000, period => Period}, Specs}};
init({child, I, Main, T0s, T1s}) ->
    atomics:put(T1s, I, erlang:monotonic_time(nanosecond)),
    Main ! {started, I, self()},
    {ok, {I, T0s}}.

handle_info(crash, {I, T0s}) ->
    atomics:put(T0s, I, erlang:monotonic_time(nanosecond)),
    exit(crash).

handle_call(_Req, _From, State) -> {reply, ok, State}.
handle_cast(_Msg, State) -> {noreply, State}.

%% Nearest-rank quantile of a sorted tuple.
quantile(Sorted, Q) ->
    Rank = max(1, min(tuple_size(Sorted), ceil(Q * tuple_size(Sorted)))),
    element(Rank, Sorted).

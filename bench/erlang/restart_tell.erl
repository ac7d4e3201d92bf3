%% Restart latency from the send that crashes a child to its replacement's
%% init/1 having run, under a one_for_one supervisor (intensity 1e9 per
%% 1 s): T0 just before `Pid ! crash`, the gen_server child calls
%% erlang:error(crash) (a crash with a stack trace, like a JS throw), the
%% new child's init/1 records T1 first thing. One child crashed N times, one
%% at a time. The logger is off, as airssys prints nothing on a crash.
%% Prints: RESULT {"p50Us":F,"p99Us":F}
-module(restart_tell).
-export([main/1, start_child/2]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2]).

main([Arg]) ->
    N = list_to_integer(Arg),
    ok = logger:set_primary_config(level, none),
    _ = run(max(1, N div 10)), % warm-up
    erlang:garbage_collect(),
    Sorted = list_to_tuple(run(N)),
    io:format("RESULT {\"p50Us\":~.4f,\"p99Us\":~.4f}~n",
              [quantile(Sorted, 0.5), quantile(Sorted, 0.99)]),
    halt().

%% N crashes, one at a time; sorted latencies in µs.
run(N) ->
    T1s = atomics:new(1, [{signed, true}]),
    Main = self(),
    Spec = #{id => c, start => {?MODULE, start_child, [Main, T1s]},
             restart => permanent, type => worker},
    {ok, Sup} = supervisor:start_link(?MODULE, {sup, [Spec]}),
    Pid = receive {started, P} -> P end,
    Lat = loop(N, Pid, T1s, []),
    unlink(Sup),
    ok = gen_server:stop(Sup),
    lists:sort(Lat).

loop(0, _Pid, _T1s, Acc) -> Acc;
loop(N, Pid, T1s, Acc) ->
    T0 = erlang:monotonic_time(nanosecond),
    Pid ! crash,
    New = receive {started, P} -> P end,
    Us = (atomics:get(T1s, 1) - T0) / 1000,
    true = Us > 0,
    loop(N - 1, New, T1s, [Us | Acc]).

start_child(Main, T1s) ->
    gen_server:start_link(?MODULE, {child, Main, T1s}, []).

%% init/1 serves both behaviours: the supervisor's and the child's.
init({sup, Specs}) ->
    {ok, {#{strategy => one_for_one, intensity => 1000000000, period => 1}, Specs}};
init({child, Main, T1s}) ->
    atomics:put(T1s, 1, erlang:monotonic_time(nanosecond)),
    Main ! {started, self()},
    {ok, none}.

handle_info(crash, _State) ->
    erlang:error(crash).

handle_call(_Req, _From, State) -> {reply, ok, State}.
handle_cast(_Msg, State) -> {noreply, State}.

%% Nearest-rank quantile of a sorted tuple.
quantile(Sorted, Q) ->
    Rank = max(1, min(tuple_size(Sorted), ceil(Q * tuple_size(Sorted)))),
    element(Rank, Sorted).

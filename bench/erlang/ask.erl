%% Ask latency: N sequential gen_server:call/2 to an idle server that
%% replies at once, each call timed on its own.
%% Prints: RESULT {"p50Us":F,"p99Us":F,"meanUs":F}
-module(ask).
-behaviour(gen_server).
-export([main/1]).
-export([init/1, handle_call/3, handle_cast/2]).

main([Arg]) ->
    N = list_to_integer(Arg),
    {ok, Server} = gen_server:start_link(?MODULE, 42, []),
    _ = time_calls(Server, max(1, N div 10)), % warm-up
    erlang:garbage_collect(),
    Samples = list_to_tuple(lists:sort(time_calls(Server, N))),
    Mean = lists:sum(tuple_to_list(Samples)) / N,
    io:format("RESULT {\"p50Us\":~.4f,\"p99Us\":~.4f,\"meanUs\":~.4f}~n",
              [quantile(Samples, 0.5), quantile(Samples, 0.99), Mean]),
    halt().

%% Latency of each of N calls, in microseconds.
time_calls(Server, N) ->
    [begin
         T0 = erlang:monotonic_time(nanosecond),
         42 = gen_server:call(Server, get),
         (erlang:monotonic_time(nanosecond) - T0) / 1000
     end || _ <- lists:seq(1, N)].

%% Nearest-rank quantile of a sorted tuple.
quantile(Sorted, Q) ->
    Rank = max(1, min(tuple_size(Sorted), ceil(Q * tuple_size(Sorted)))),
    element(Rank, Sorted).

init(State) -> {ok, State}.
handle_call(get, _From, State) -> {reply, State, State}.
handle_cast(_Msg, State) -> {noreply, State}.

%% Erlang/OTP distribution between two nodes on this machine, the anchor of
%% the remote figures: this node starts distribution (-sname style short
%% names) and a peer node (a second erl OS process, +S 1), then measures
%%  - one-way: N messages with a 128-byte binary to a process on the peer,
%%    timed until the peer's process has received them all;
%%  - ping-pong: N/10 sequential round trips (send, wait for the answer);
%%  - call: N/10 sequential gen_server:call/2 to a server on the peer, each
%%    timed on its own.
%% Prints: RESULT {"onewayPerSec":F,"pingpongPerSec":F,"callP50Us":F,"callP99Us":F}
-module(remote).
-behaviour(gen_server).
-export([main/1, sink/2, echo/0]).
-export([init/1, handle_call/3, handle_cast/2]).

main([Arg]) ->
    N = list_to_integer(Arg),
    Tag = os:getpid(),
    {ok, _} = net_kernel:start([list_to_atom("airssys_bench_" ++ Tag), shortnames]),
    Dir = filename:dirname(code:which(?MODULE)),
    {ok, Peer, Node} = peer:start_link(#{name => list_to_atom("airssys_peer_" ++ Tag),
                                          args => ["+S", "1", "-pa", Dir]}),
    Payload = binary:copy(<<7>>, 128),
    Rounds = max(1, N div 10),
    _ = oneway(Node, Payload, max(1, N div 10)), % warm-up
    erlang:garbage_collect(),
    OnewayUs = oneway(Node, Payload, N),
    _ = pingpong(Node, max(1, Rounds div 10)),
    PingpongUs = pingpong(Node, Rounds),
    {ok, Server} = rpc:call(Node, gen_server, start, [?MODULE, 42, []]),
    _ = time_calls(Server, max(1, Rounds div 10)),
    Samples = list_to_tuple(lists:sort(time_calls(Server, Rounds))),
    io:format("RESULT {\"onewayPerSec\":~.2f,\"pingpongPerSec\":~.2f,"
              "\"callP50Us\":~.4f,\"callP99Us\":~.4f}~n",
              [N / (OnewayUs / 1.0e6), Rounds / (PingpongUs / 1.0e6),
               quantile(Samples, 0.5), quantile(Samples, 0.99)]),
    peer:stop(Peer),
    halt().

%% Microseconds to send N messages to a sink on Node until it has them all.
oneway(Node, Payload, N) ->
    Sink = spawn(Node, ?MODULE, sink, [self(), N]),
    T0 = erlang:monotonic_time(microsecond),
    send_n(Sink, Payload, N),
    receive {received, N} -> ok end,
    erlang:monotonic_time(microsecond) - T0.

send_n(_Sink, _Payload, 0) -> ok;
send_n(Sink, Payload, I) ->
    Sink ! {msg, Payload},
    send_n(Sink, Payload, I - 1).

sink(From, N) -> sink(From, N, 0).
sink(From, N, N) -> From ! {received, N};
sink(From, N, I) ->
    receive {msg, _} -> sink(From, N, I + 1) end.

%% Microseconds for N sequential round trips to an echo process on Node.
pingpong(Node, N) ->
    Echo = spawn(Node, ?MODULE, echo, []),
    T0 = erlang:monotonic_time(microsecond),
    ping(Echo, N),
    T = erlang:monotonic_time(microsecond) - T0,
    Echo ! stop,
    T.

ping(_Echo, 0) -> ok;
ping(Echo, I) ->
    Echo ! {ping, self()},
    receive pong -> ping(Echo, I - 1) end.

echo() ->
    receive
        {ping, From} -> From ! pong, echo();
        stop -> ok
    end.

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

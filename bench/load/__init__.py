"""`make bench-load` / `make soak`: load benchmark and soak for the production profile.

Why this exists next to bench/channels_bench.py: that one measures one conversation at a
time (and four at once) against the dev services. Production runs two Rasa processes
behind nginx with Postgres and Redis, and what matters there is how the whole stack
behaves when many young people write at the same time: does the answer still come
within a moment, does anything fail, and does any process grow while it runs.

Each virtual user plays scripted Danish conversations (bench/load/conversations.py: questions
that need no booking call) back to back, as a new user each time: REST with a fresh
`sender`, the widget with a new socket.io connection and its own session. Between two
messages it waits a think time (reading the answer, typing), jittered +-50 %; `--think 0`
is a closed loop that finds the saturation point. Latency is send -> complete answer:
the HTTP response for REST, the acknowledgement of `user_uttered` for the widget (the
channel sends it after the whole turn), and a widget turn must also have brought at
least one `bot_uttered`.

Each new user connects from a loopback address of its own (127.a.b.1), as real users
come from their own addresses: otherwise nginx would see one client (its per-address
limits) and its ip_hash would send every socket.io connection to the same Rasa process.
`--source-addresses one` shows what a single address gets. The widget clients use
websocket, as browsers do behind the production load balancer, when the websocket-client
package is installed; else long-polling, and the output says so.

Per channel and number of concurrent users it prints messages, throughput, latency
p50/p95/p99/max and errors, and a table of memory (VmRSS) and CPU per process of the
stack. `--soak M` instead runs M minutes of mixed load and prints p95 per minute and
memory at start and end.

    python -m bench.load [--target production|dev] [--channels rest,widget]
        [--concurrency 1,8,32] [--duration 30] [--think 1.0] [--soak MINUTES]

Modules: conversations (the scripts), users (the virtual users), results (outcomes and
summaries), processes (memory and CPU per process), runs (a measured run, the soak),
targets (the stacks), options and __main__ (the command line).
"""

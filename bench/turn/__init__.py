"""`make bench-turn`: what one message costs the Rasa process, ours against Rasa's default.

Two assistants on the same machine with the same domain.yml and data/: ours
(models/vejviser.tar.gz, config.yml) and the same domain trained with the config.yml
`rasa init` writes (models/bench/rasa-default.tar.gz, trained once and cached). Each runs
as `make run` starts it (Rasa with the REST channel, our action server, the outbox relay
and the booking service, through tests/harness/services.py) and plays the fixed Danish
message set in bench/turn/conversations.py: one warm-up pass, one pass with one
conversation at a time (CPU per message, latency p50/p95), then 8 users at once with no
think time (p95, messages/s). Writes out/bench-turn.json and out/bench-turn.png.

    python -m bench.turn [--assistants ours,rasa_default] [--users 8] [--out out]

Modules: conversations (the message set), model (the cached default model), measure
(CPU from /proc, latency, throughput, VmHWM), run (the assistants), report (JSON, table, PNG).
"""

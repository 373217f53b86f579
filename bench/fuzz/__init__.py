"""Fuzzing the three user-facing channels (REST, widget socket, SMS webhook) with hostile input.

Why: the channels are the only parts of the assistant that strangers on the internet can
reach. Whatever they send (nothing, 10,000 characters, emoji sequences, bidi overrides,
HTML, SQL, Rasa's slash syntax, broken UTF-8, broken protocol messages) must end in an
answer or a clear refusal (a 4xx, or an error acknowledgement on the socket), never in a
5xx, a dropped connection, a silent non-answer or a traceback in a server log.

Inputs come from a seeded `random.Random`, so a failure can be reproduced with the same
seed; only the identities (senders, phone numbers, message ids) differ per run, so a rerun
against the same stack starts fresh conversations.

    python -m bench.fuzz [--count 10000] [--channels rest,widget,sms] [--seed 1] [--target production|dev]

Exit code 1 when any input failed or a server log got an exception or ERROR line.
tests/test_fuzz_channels.py runs a reduced version in the test suite.

Modules: generators (hostile texts), cases (inputs, verdicts, reports, parallel sending),
rest, widget (with socket_clients) and sms (one per channel), logs (scanning server logs),
targets (the stacks), channels (the channels by name), __main__ (the command line).
"""

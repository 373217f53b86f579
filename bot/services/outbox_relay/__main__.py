from bot.services.outbox_relay.relay import main

main()

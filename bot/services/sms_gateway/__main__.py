from bot.services.sms_gateway.server import main

main()

from bot.services.demo_site.server import main

main()

"""SMS for Vejviser: text shaping for phones (GSM-7, segments), replies rendered for a
phone and mapped back, the gateway interface (Twilio today), the SQLite store, and the
service that runs one SMS turn. The Rasa channel is bot/rasa/channels/sms/channel.py."""

"""Stores that more than one process reads: where a store lives (`location`), the tracker
store's conversations as the desk reads them (`conversations`), and the SMS channel's
memory that the desk purges with a conversation (`sms`)."""

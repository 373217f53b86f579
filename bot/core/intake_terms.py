"""The intake values the assistant and the booking service share: one list each, so the
form, the service's validation and domain.yml's slot values cannot drift apart."""

INTAKE_TOPICS = ("penge", "uddannelse", "job", "cv", "læreplads", "trivsel", "andet")
CHANNELS = ("telefon", "sms", "mail", "møde", "video")
NEEDS_PHONE = frozenset({"telefon", "sms"})
NEEDS_EMAIL = frozenset({"mail", "video"})  # the video link is sent by email

"""The local Twilio stand-in: accepts the Messages API and records what was sent."""

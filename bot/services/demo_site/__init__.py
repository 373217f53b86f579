"""A stand-in municipality page that embeds the chat widget."""

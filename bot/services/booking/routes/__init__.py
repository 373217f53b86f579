"""The booking API's routes, one module per resource; bot.services.booking.api includes them."""

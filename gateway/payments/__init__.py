"""In-app orders paid with coins: the orders API, the confirmation page, refunds."""

"""How the router is used: the API, the admin page, batch classification, the feedback store."""

"""How the router is used online: the API, the admin page, the feedback store (batch runs live in ``batch``)."""

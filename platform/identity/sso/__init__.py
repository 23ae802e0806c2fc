"""Single sign-on per municipality with OpenID Connect: each municipality registers its own
identity provider; its people sign in on the municipality's own sign-in page."""

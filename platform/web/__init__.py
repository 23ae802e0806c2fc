"""The web application: app factory, request pipeline, errors, shell pages."""

"""Identity and access: users, memberships, roles and permissions, sign-in."""

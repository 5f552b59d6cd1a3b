"""The rest of the product in the app: the site check, tagging any works, the opt-out pack with its preview."""

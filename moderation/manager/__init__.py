"""The community manager's day: scheduled posts, response times, mood alerts, key members, digests."""

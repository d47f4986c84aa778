"""Domain operations shared by every transport (GraphQL, REST, realtime)."""

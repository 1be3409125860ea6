"""The training engine: a Lightning adapter around any model that honours the contract."""

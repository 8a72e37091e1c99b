"""The Flask API (arrives with the API issue): departments, witnesses, auditors, the public."""

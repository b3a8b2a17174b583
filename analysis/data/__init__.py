"""The data: the contract every table follows, reading and checking files, the loaded data set and the view filters."""

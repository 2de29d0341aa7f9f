"""Group apps: apps installed into groups see them through pseudonyms, with members' consent."""

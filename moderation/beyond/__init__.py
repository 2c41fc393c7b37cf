"""Beyond the anchors: backtests of config changes, members' appeals."""

"""One module per subcommand: parse options, call one library function, format the result."""

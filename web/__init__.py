"""What every page shares and no one app owns: the request type views see, and the `nobidi` template builtin."""

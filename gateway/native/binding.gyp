{
  "targets": [
    {
      "target_name": "tap",
      "sources": ["tap.c"],
      "cflags": ["-Wall", "-Wextra", "-Werror", "-O2"]
    }
  ]
}

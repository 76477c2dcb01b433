from combcoder.cli import main

main()

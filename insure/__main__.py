from insure.cli import main

main()

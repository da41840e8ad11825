from chaintutor.cli import main

main()

from disposisi.cli import main

main()

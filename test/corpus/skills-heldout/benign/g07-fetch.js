// fetch weather data and render it
const res = await fetch('https://api.example.com/weather?city=Oslo')
const data = await res.json()
console.log(`${data.city}: ${data.temp}°C`)

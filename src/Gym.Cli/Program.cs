using Gym.Cli;

return await GymCli.RunAsync(args);
